package dev.flywheel.training;

import ml.dmlc.xgboost4j.java.Booster;
import org.apache.spark.ml.classification.LogisticRegressionModel;

/**
 * The three models of one version: the base learners over the normalized feature vector and the
 * stack over their logits.
 */
record Learners(LogisticRegressionModel lr, Booster xgboost, LogisticRegressionModel stack) {}
