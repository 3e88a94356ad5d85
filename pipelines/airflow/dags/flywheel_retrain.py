"""Retrain every four hours: an incremental candidate (new examples plus a replay sample of older
ones) is evaluated against the champion on a time-forward holdout and promoted only if the gate
passes; otherwise it is kept as rejected with the reason."""
from datetime import datetime

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

from flywheel_common import DEFAULT_ARGS, FLYWHEEL_JAR, FLYWHEEL_MAIN_CLASS, PACKAGES, SPARK_CONF

with DAG(
    dag_id="flywheel_retrain",
    schedule="30 */4 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["flywheel"],
) as dag:
    SparkSubmitOperator(
        task_id="train_and_gate",
        application=FLYWHEEL_JAR,
        java_class=FLYWHEEL_MAIN_CLASS,
        packages=PACKAGES,
        conf=SPARK_CONF,
        application_args=["train", "--replay-ratio", "0.2", "--auc-epsilon", "0.005", "--log-loss-delta", "0.01"],
    )
