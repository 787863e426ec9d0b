"""pytest plugin of the benchmarks: the runner's suite order (fuzzing last), loadable with ``-p``.

``scrip-conformance run`` passes its ``SuiteOrder`` to ``pytest.main`` as an object, which only
the process that calls it gets: pytest-xdist workers collect without it. Loaded by name, the
order applies in the serial run and in every worker alike.
"""

from scrip_conformance.runner.ordering import SuiteOrder

_ORDER = SuiteOrder()
pytest_collection_modifyitems = _ORDER.pytest_collection_modifyitems
