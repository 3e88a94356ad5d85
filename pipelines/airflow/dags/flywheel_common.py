"""Shared settings of Flywheel's DAGs: the application jar, its main class and the packages a
cluster needs. Retries are safe because every Flywheel job is idempotent through its run ledger
(a retried run resumes from the same input versions and skips writes already committed); one run
of a job at a time (max_active_runs=1) is what the ledger expects."""
from datetime import timedelta

FLYWHEEL_JAR = "/opt/flywheel/app/target/flywheel-app.jar"
FLYWHEEL_MAIN_CLASS = "dev.flywheel.app.Flywheel"
PACKAGES = "io.delta:delta-spark_2.12:3.3.3,org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.3"
SPARK_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}
DEFAULT_ARGS = {
    "owner": "flywheel",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
}
