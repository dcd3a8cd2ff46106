# Copyright (c) msp.autotask contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""autotask_api_user's input checks that run before any request."""

from __future__ import annotations

import pytest

from ansible_collections.msp.autotask.plugins.module_utils import _api_user as api_user
from ansible_collections.msp.autotask.plugins.module_utils import _model as model
from ansible_collections.msp.autotask.plugins.module_utils import _specs as specs


def params(**values):
    return specs.defaults(api_user.argument_spec(), values)


@pytest.mark.parametrize("email", ["mspintegrations@", "@t1.example", "no-at-sign", "a b@t1.example", "a@b@c"])
def test_an_email_without_a_name_and_a_domain_is_an_input_error(email):
    with pytest.raises(model.ModelError, match="not an address with a domain"):
        api_user.validate(params(email=email))


@pytest.mark.parametrize("email", ["propel@t1.example", "MSPintegrations@Contoso.Example", "x@localhost"])
def test_an_address_passes(email):
    api_user.validate(params(email=email))
