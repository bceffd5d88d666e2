"""`make test` runs pytest-xdist with --dist loadgroup: a test marked
xdist_group must carry the group in its id, which the scheduler reads to send
a group's tests to one worker (tests/conftest.py mends this for pytest 9)."""

import pytest


@pytest.mark.xdist_group("suite-guard")
def test_a_grouped_test_carries_its_group_where_the_scheduler_reads_it(request):
    if not request.config.getoption("loadgroup", False):
        pytest.skip("checked under make test's xdist --dist loadgroup only")
    assert request.node.nodeid.endswith(
        "::test_a_grouped_test_carries_its_group_where_the_scheduler_reads_it@suite-guard"
    )
