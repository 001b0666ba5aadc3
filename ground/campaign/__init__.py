"""Monte Carlo mission campaigns: many dispersed runs of one mission on a Dask
cluster (local by default), results as a Parquet table, a summary and a
report.  docs/campaigns.md is the user's guide.

Modules, one concern each: ``seeds`` (per-run seed streams), ``dispersions``
(the TOML file: what varies and how), ``task`` (one run on a worker),
``journal`` (crash-safe per-run rows), ``results`` (Parquet, summary
statistics), ``report`` (plots, HTML), ``cluster`` (Dask client), ``engine``
(prepare, resume, submit, collect)."""


class CampaignError(Exception):
    """The campaign cannot start (bad input, unreachable cluster); nothing ran."""
