"""Hourly feature build: new bronze rows to silver impressions, gold features and point-in-time
training examples (incremental through the run ledger; a retry resumes from the same versions)."""
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

from flywheel_common import DEFAULT_ARGS, FLYWHEEL_JAR, FLYWHEEL_MAIN_CLASS, PACKAGES, SPARK_CONF

with DAG(
    dag_id="flywheel_features",
    schedule="15 * * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["flywheel"],
) as dag:
    SparkSubmitOperator(
        task_id="features",
        application=FLYWHEEL_JAR,
        java_class=FLYWHEEL_MAIN_CLASS,
        packages=PACKAGES,
        conf=SPARK_CONF,
        application_args=["features"],
    )
