from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark suite: data generation (bench_seed), the reference views and the
    measuring commands that `make bench` drives. Holds no model."""

    name = "bench"
    verbose_name = "Benchmarks"
