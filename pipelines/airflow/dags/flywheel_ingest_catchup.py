"""Hourly catch-up of the Kafka feedback topic into bronze: the batch half of batch-plus-micro-batch.
A continuously running `flywheel ingest` can replace it; the same checkpoint serves both."""
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

from flywheel_common import DEFAULT_ARGS, FLYWHEEL_JAR, FLYWHEEL_MAIN_CLASS, PACKAGES, SPARK_CONF

with DAG(
    dag_id="flywheel_ingest_catchup",
    schedule="@hourly",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["flywheel"],
) as dag:
    SparkSubmitOperator(
        task_id="ingest_available_now",
        application=FLYWHEEL_JAR,
        java_class=FLYWHEEL_MAIN_CLASS,
        packages=PACKAGES,
        conf=SPARK_CONF,
        application_args=["ingest", "--available-now", "--bootstrap", "{{ var.value.flywheel_kafka_bootstrap }}",
                          "--topic", "feedback.events", "--max-offsets-per-trigger", "500000"],
    )
