"""The REST query grammar as the sandbox evaluates it (D-BQ, D-AQ).

Errors raise QueryError; the server answers them as HTTP 500 with the API's errors body.
String comparisons are case-insensitive, as Autotask's are in practice.
"""

from . import catalog


class QueryError(ValueError):
    pass


COMPARISON = {"eq", "noteq", "gt", "gte", "lt", "lte", "beginswith", "endswith", "contains"}
EXISTENCE = {"exist", "notexist"}
LISTS = {"in", "notin"}
GROUPS = {"and", "or"}
MAX_OR_CONDITIONS = 500


# The refusal an Anteris maintainer quoted for a query without a condition (issue #15, 2020).
EMPTY_FILTER_ERROR = "Value cannot be null."


def parse_body(body, empty_filter="every_row"):
    """Return (filters, include_fields, max_records) from a QueryModel, key case ignored.

    ``empty_filter`` is the seed switch for ``{"filter": []}``: ``every_row`` (django-autotask
    1.20.0 sends exactly that in production) or ``refused``.
    """
    if not isinstance(body, dict):
        raise QueryError("The query body must be a JSON object.")
    lowered = {str(k).lower(): v for k, v in body.items()}
    filters = lowered.get("filter")
    if not isinstance(filters, list) or (not filters and empty_filter == "refused"):
        raise QueryError(EMPTY_FILTER_ERROR)
    include = lowered.get("includefields") or []
    if not isinstance(include, list):
        raise QueryError("IncludeFields must be an array of field names.")
    max_records = lowered.get("maxrecords")
    valid = isinstance(max_records, int) and not isinstance(max_records, bool) and 1 <= max_records <= 500
    if max_records is not None and not valid:
        # The live text (WYRE-AI/autotask-mcp src/services/autotask-http.ts, from a live 500).
        raise QueryError("maxCountOfRecordsToReturn must be between 1 and 500")
    return filters, include, max_records


class Compiled:
    """A validated filter tree bound to one entity."""

    def __init__(self, entity, filters, values="lenient"):
        self.entity = entity
        # Seed switch filter_values (catalog.ASSUMPTIONS): "strict" refuses what real Autotask
        # evidently accepts; "lenient" reads it the most plausible way (see _lenient).
        self.strict = values == "strict"
        self.fields = {f.lower(): f for f, t in entity.fields.items() if t != "udf"}
        self.udf_used = set()
        self.tree = _kept([self._compile(c) for c in filters])
        if len(self.udf_used) > 1:
            raise QueryError("Only one user-defined field may be used in a query.")

    def _compile(self, cond):
        if not isinstance(cond, dict):
            raise QueryError("Each filter must be a JSON object.")
        cond = {str(k).lower(): v for k, v in cond.items()}
        op = str(cond.get("op", "")).lower()
        if op in GROUPS:
            items = cond.get("items")
            if not isinstance(items, list) or not items:
                raise QueryError("The '%s' operator requires items." % op)
            if op == "or" and len(items) > MAX_OR_CONDITIONS:
                raise QueryError("A query may contain at most %d OR conditions." % MAX_OR_CONDITIONS)
            return (op, _kept([self._compile(c) for c in items]))
        if op not in COMPARISON | EXISTENCE | LISTS:
            # Live Autotask discards a clause with an unknown operator ("ne") and answers the
            # rest, unfiltered if nothing is left (WYRE-AI/autotask-mcp PR #282, issue #193).
            return None
        name = cond.get("field")
        if not isinstance(name, str) or not name:
            raise QueryError("A filter condition requires a field.")
        udf = cond.get("udf") is True
        if udf:
            self.udf_used.add(name.lower())
            field, ftype = name, "str"
        else:
            field = self.fields.get(name.lower())
            if field is None:
                raise QueryError(unknown_field(name, self.entity.name))
            ftype = self.entity.fields[field]
        if op in EXISTENCE:
            return (op, field, udf, None)
        if not self.strict:
            return (op, field, udf, _lenient(cond.get("value"), ftype, op, name))
        if "value" not in cond:
            raise QueryError("The '%s' operator requires a value." % cond.get("op"))
        value = cond["value"]
        if op in LISTS:
            if not isinstance(value, list):
                raise QueryError("The '%s' operator requires an array value." % cond.get("op"))
            value = [_coerce(v, ftype, name) for v in value]
        else:
            value = _coerce(value, ftype, name)
        return (op, field, udf, value)

    def matches(self, record, udfs):
        return all(_eval(node, record, udfs) for node in self.tree)


def unknown_field(name, entity_name):
    """The live text for an unknown field (WYRE-AI/autotask-mcp PR #282: "Unable to find projectID
    in the TimeEntry Entity.")."""
    return "Unable to find %s in the %s Entity." % (name, catalog.singular(entity_name))


def _kept(nodes):
    return [n for n in nodes if n is not None]


def _lenient(value, ftype, op, name):
    """ASSUMPTION (switch filter_values): what real Autotask makes of what the strict grammar refuses.

    Public clients send a condition without ``value`` (django-autotask's resource sync since
    2024-11 drops falsy values) and ``"true"`` as a string on a boolean (django-autotask
    tests/test_api.py, py-autotask's client docstring, the KelvinTegelaar module's examples), and
    live Autotask accepts both; what they match is unrecorded. Read here as .NET model binding
    would: a missing value is null (eq null matches an empty field, noteq null a filled one), and
    "true"/"false" in any case are the booleans.
    """
    if value is None:
        return [] if op in LISTS else None
    if ftype == catalog.BOOL and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if op in LISTS:
        if not isinstance(value, list):
            raise QueryError("The '%s' operator requires an array value." % op)
        return [_lenient(v, ftype, "eq", name) for v in value]
    return _coerce(value, ftype, name)


def _coerce(value, ftype, name):
    if value is None:
        raise QueryError("Value for %s cannot be null." % name)
    if ftype == catalog.BOOL:
        if not isinstance(value, bool):
            raise QueryError("Value for %s must be true or false." % name)
        return value
    if ftype == catalog.INT:
        if isinstance(value, bool):
            raise QueryError("Value for %s must be an integer." % name)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise QueryError("Value for %s must be an integer." % name) from None
    if ftype == catalog.FLOAT:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise QueryError("Value for %s must be a number." % name) from None
    if isinstance(value, (dict, list)):
        raise QueryError("Value for %s must be a scalar." % name)
    return value


def _norm(value):
    return value.lower() if isinstance(value, str) else value


def _eval(node, record, udfs):
    op = node[0]
    if op == "and":
        return all(_eval(n, record, udfs) for n in node[1])
    if op == "or":  # a group left empty by discarded clauses constrains nothing
        return any(_eval(n, record, udfs) for n in node[1]) if node[1] else True
    _, field, udf, value = node
    actual = udfs.get(field.lower()) if udf else record.get(field)
    if op == "exist":
        return actual not in (None, "")
    if op == "notexist":
        return actual in (None, "")
    if op in ("in", "notin"):
        hit = _norm(actual) in [_norm(v) for v in value]
        return hit if op == "in" else not hit
    if value is None:  # a lenient null value: eq/noteq test for emptiness, nothing else matches
        empty = actual in (None, "")
        return empty if op == "eq" else (not empty if op == "noteq" else False)
    if actual is None:
        return op == "noteq"
    a, v = _norm(actual), _norm(value)
    if op in ("beginswith", "endswith", "contains"):
        a, v = str(a), str(v).lower()
        return {"beginswith": a.startswith, "endswith": a.endswith, "contains": a.__contains__}[op](v)
    try:
        return {"eq": a == v, "noteq": a != v, "gt": a > v, "gte": a >= v, "lt": a < v, "lte": a <= v}[op]
    except TypeError:
        return False
