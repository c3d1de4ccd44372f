"""Local copies of the production services (SeaweedFS for S3, Typesense), started from the
binaries that Python packages ship. Used by ``lyceum services up``, the tests and the
benchmarks — a developer runs the production stack on one machine with no containers."""
