package dev.flywheel.pipelines.contract;

import static dev.flywheel.pipelines.contract.FeedbackContract.EVENT_TYPES;
import static dev.flywheel.pipelines.contract.FeedbackContract.MAX_FUTURE_SECONDS;
import static dev.flywheel.pipelines.contract.FeedbackContract.MAX_ID_CHARS;
import static dev.flywheel.pipelines.contract.FeedbackContract.MAX_QUERY_CHARS;
import static dev.flywheel.pipelines.contract.FeedbackContract.MAX_RECORD_BYTES;
import static dev.flywheel.pipelines.contract.FeedbackContract.REQUIRED_IDS;
import static dev.flywheel.pipelines.contract.FeedbackContract.SCHEMA_VERSION;
import static dev.flywheel.pipelines.contract.FeedbackContract.VALUED_TYPES;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.decode;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The contract's checks, written once as Spark column expressions (no UDFs, so the optimizer and
 * the GPU see through them) and used by every source: Kafka micro-batches, file backfills and
 * quarantine replay.
 *
 * <p>{@link #validate} adds typed fields plus {@code reason} and {@code detail} to raw records
 * ({@link RawRecords#SCHEMA}); {@link #validEvents} and {@link #quarantineRecords} split the result
 * into rows of {@code bronze.feedback_events} and {@code bronze.feedback_quarantine}. When a record
 * breaks several rules, the reason is the first in {@link Reason}'s order.
 *
 * <p>Fields are first read as JSON text and then checked and cast, so a mistyped field is named
 * precisely instead of turning the whole record into nulls. String fields accept any JSON scalar
 * as its text (a numeric {@code user_id} 42 is stored as "42").
 */
public final class FeedbackValidation {
  /** Machine-readable reasons, in the order they are checked. */
  public enum Reason {
    EMPTY, TOO_LARGE, NOT_UTF8, NOT_JSON_OBJECT, MALFORMED_JSON, MISSING_FIELD, MISTYPED_FIELD,
    FIELD_LENGTH, UNKNOWN_EVENT_TYPE, BAD_EVENT_TIME, FUTURE_EVENT_TIME, NEGATIVE_POSITION,
    VALUE_OUT_OF_RANGE, UNSUPPORTED_SCHEMA_VERSION;

    /** The code stored in {@code bronze.feedback_quarantine.reason}. */
    public String code() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The record decoded as UTF-8 text: what quarantine stores as {@code raw}. */
  public static final String RAW_TEXT = "_text";
  private static final String CORRUPT = "_corrupt_record";
  private static final String EVENT_TIME = "_event_time";
  private static final String POSITION = "_position";
  private static final String VALUE = "_value";
  private static final String CONTEXT = "_context";
  private static final String SCHEMA_VERSION_INT = "_schema_version";
  private static final List<String> FIELDS = List.of("event_id", "event_type", "event_time", "user_id", "item_id",
      "request_id", "surface", "query", "position", "model_version", "value", "context", "schema_version");
  /** Every field as JSON text: the typed checks below name the field that is wrong. */
  private static final StructType TEXT_FIELDS = textFields();
  private static final String ISO_TIME_WITH_ZONE =
      "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})$";
  private static final String INTEGER = "^-?\\d{1,9}$";
  private static final String NUMBER = "^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$";

  private FeedbackValidation() {}

  private static StructType textFields() {
    StructType schema = new StructType();
    for (String field : FIELDS) {
      schema = schema.add(field, StringType);
    }
    return schema.add(CORRUPT, StringType);
  }

  private static Column text(String field) {
    return col("_json." + field);
  }

  /** True where the record passed every check. */
  public static final Column IS_VALID = col("reason").isNull();

  /**
   * Raw records with the contract's fields typed ({@code event_time} as timestamp, {@code position}
   * as int, {@code value} as double, {@code context} as map) and {@code reason}/{@code detail} set
   * for records that break the contract (null for valid ones).
   */
  public static Dataset<Row> validate(Dataset<Row> raw) {
    // Three projections, each reading the columns of the one before: every field is parsed once
    // (each rule reads the parsed column instead of repeating its parse: Spark does not share an
    // expression repeated inside the branches of a CASE), and a detail is built only for the rule
    // that fired.
    Dataset<Row> typed = raw
        .withColumn(RAW_TEXT, decode(col("payload"), "UTF-8"))
        .withColumn("_json", from_json(col(RAW_TEXT), TEXT_FIELDS, Map.of("mode", "PERMISSIVE")))
        .select(col("*"),
            when(text("event_time").rlike(ISO_TIME_WITH_ZONE), text("event_time").cast("timestamp")).as(EVENT_TIME),
            when(text("position").rlike(INTEGER), text("position").cast("int")).as(POSITION),
            when(text("value").rlike(NUMBER), text("value").cast("double")).as(VALUE),
            from_json(text("context"), createMapType(StringType, StringType)).as(CONTEXT),
            when(text("schema_version").rlike(INTEGER), text("schema_version").cast("int")).as(SCHEMA_VERSION_INT));
    List<Check> checks = checks();
    Column reason = lit(null).cast(StringType);
    for (int i = checks.size() - 1; i >= 0; i--) {
      Check check = checks.get(i);
      // A rule whose inputs are null (e.g. no event_time to compare) does not fire.
      reason = when(coalesce(check.fails(), lit(false)), lit(check.reason().code())).otherwise(reason);
    }
    Column detail = lit(null).cast(StringType);
    for (Check check : checks) {
      detail = when(col("reason").equalTo(check.reason().code()), check.detail()).otherwise(detail);
    }
    return typed
        .withColumn("reason", reason)
        .withColumn("detail", detail)
        .select(col("*"),
            text("event_id").as("event_id"),
            text("event_type").as("event_type"),
            col(EVENT_TIME).as("event_time"),
            text("user_id").as("user_id"),
            text("item_id").as("item_id"),
            text("request_id").as("request_id"),
            text("surface").as("surface"),
            text("query").as("query"),
            col(POSITION).as("position"),
            text("model_version").as("model_version"),
            col(VALUE).as("value"),
            col(CONTEXT).as("context"),
            coalesce(col(SCHEMA_VERSION_INT), lit(SCHEMA_VERSION)).as("schema_version"))
        .drop("_json", EVENT_TIME, POSITION, VALUE, CONTEXT, SCHEMA_VERSION_INT);
  }

  /** The contract's rules over the parsed columns of {@link #validate}, in {@link Reason}'s order. */
  private static List<Check> checks() {
    Column eventTime = col(EVENT_TIME);
    Column position = col(POSITION);
    Column value = col(VALUE);
    Column context = col(CONTEXT);
    Column schemaVersion = col(SCHEMA_VERSION_INT);
    Column eventType = text("event_type");
    List<Check> checks = new ArrayList<>();
    checks.add(new Check(Reason.EMPTY, col("payload").isNull().or(octet_length(trim(col(RAW_TEXT))).equalTo(0)),
        lit("record has no content")));
    checks.add(new Check(Reason.TOO_LARGE, octet_length(col("payload")).gt(MAX_RECORD_BYTES),
        concat(lit("record has "), octet_length(col("payload")).cast("string"),
            lit(" bytes, more than " + MAX_RECORD_BYTES))));
    checks.add(new Check(Reason.NOT_UTF8, encode(col(RAW_TEXT), "UTF-8").notEqual(col("payload")),
        lit("record is not valid UTF-8")));
    checks.add(new Check(Reason.NOT_JSON_OBJECT, not(col(RAW_TEXT).rlike("^\\s*\\{")),
        lit("record is not a JSON object")));
    checks.add(new Check(Reason.MALFORMED_JSON, col("_json").isNull().or(text(CORRUPT).isNotNull()),
        lit("record is not well-formed JSON")));
    checks.add(Check.ofFlags(Reason.MISSING_FIELD, "missing required field(s): ", missingFields()));
    checks.add(Check.ofFlags(Reason.MISTYPED_FIELD, "mistyped: ", List.of(
        new Flag(text("position").isNotNull().and(position.isNull()), lit("position (int)")),
        new Flag(text("value").isNotNull().and(value.isNull()), lit("value (number)")),
        new Flag(text("context").isNotNull().and(context.isNull()), lit("context (object of strings)")),
        new Flag(text("schema_version").isNotNull().and(schemaVersion.isNull()), lit("schema_version (int)")))));
    checks.add(Check.ofFlags(Reason.FIELD_LENGTH,
        "ids must have 1.." + MAX_ID_CHARS + " chars and query at most " + MAX_QUERY_CHARS + ": ", List.of(
            new Flag(not(length(text("event_id")).between(1, MAX_ID_CHARS)), lit("event_id")),
            new Flag(not(length(text("user_id")).between(1, MAX_ID_CHARS)), lit("user_id")),
            new Flag(not(length(text("item_id")).between(1, MAX_ID_CHARS)), lit("item_id")),
            new Flag(not(length(text("request_id")).between(1, MAX_ID_CHARS)), lit("request_id")),
            new Flag(length(text("query")).gt(MAX_QUERY_CHARS), lit("query")))));
    checks.add(new Check(Reason.UNKNOWN_EVENT_TYPE, not(eventType.isin(EVENT_TYPES.toArray())),
        concat(lit("unknown event_type '"), eventType, lit("'; expected one of " + EVENT_TYPES))));
    checks.add(new Check(Reason.BAD_EVENT_TIME, eventTime.isNull(),
        concat(lit("event_time '"), text("event_time"), lit("' is not ISO-8601 with a zone"))));
    checks.add(new Check(Reason.FUTURE_EVENT_TIME,
        eventTime.gt(col("arrived_at").plus(expr("INTERVAL " + MAX_FUTURE_SECONDS + " SECONDS"))),
        concat(lit("event_time "), text("event_time"), lit(" is more than 1 h after arrival at "),
            col("arrived_at").cast("string"))));
    checks.add(new Check(Reason.NEGATIVE_POSITION, position.lt(0),
        concat(lit("position "), position.cast("string"), lit(" is negative"))));
    Column outOfRange = when(eventType.equalTo("rating"), not(value.between(1, 5)))
        .when(eventType.isin("dwell", "purchase"), value.lt(0))
        .otherwise(false);
    checks.add(new Check(Reason.VALUE_OUT_OF_RANGE, outOfRange,
        concat(lit("value "), value.cast("string"), lit(" out of range for "), eventType,
            lit(" (rating 1..5, dwell and purchase >= 0)"))));
    checks.add(new Check(Reason.UNSUPPORTED_SCHEMA_VERSION,
        coalesce(schemaVersion, lit(SCHEMA_VERSION)).notEqual(SCHEMA_VERSION),
        concat(lit("schema_version "), schemaVersion.cast("string"), lit(" is not " + SCHEMA_VERSION))));
    return checks;
  }

  private static List<Flag> missingFields() {
    List<Flag> missing = new ArrayList<>();
    for (String field : List.of("event_id", "event_type", "event_time", "user_id", "item_id", "request_id")) {
      missing.add(new Flag(text(field).isNull(), lit(field)));
    }
    missing.add(new Flag(text("event_type").equalTo("impression").and(text("position").isNull()),
        lit("position (impression)")));
    missing.add(new Flag(text("event_type").isin(VALUED_TYPES.toArray()).and(text("value").isNull()),
        concat(lit("value ("), text("event_type"), lit(")"))));
    return missing;
  }

  /** Where a record came from, as stored in {@code bronze.feedback_events.source}. */
  public static final Column SOURCE = when(col("topic").isNotNull(),
      concat(lit("kafka:"), col("topic"), lit("/"), col("partition").cast("string"), lit("/"),
          col("offset").cast("string")))
      .otherwise(concat(col("file"), lit(":"), col("line").cast("string")));

  /** A stable id of a raw record, from its source coordinates. */
  public static final Column QUARANTINE_ID = sha2(SOURCE, 256);

  /** The valid records of {@link #validate}'s output as rows of {@code bronze.feedback_events}. */
  public static Dataset<Row> validEvents(Dataset<Row> validated) {
    return validated.where(IS_VALID).select(
        col("event_id"), col("event_type"), col("event_time"), col("user_id"), col("item_id"),
        col("request_id"), col("surface"), col("query"), col("position"), col("model_version"),
        col("value"), col("context"), col("schema_version"),
        SOURCE.as("source"),
        current_timestamp().as("ingested_at"),
        to_date(col("event_time")).as("event_date"));
  }

  /** The invalid records of {@link #validate}'s output as rows of {@code bronze.feedback_quarantine}. */
  public static Dataset<Row> quarantineRecords(Dataset<Row> validated) {
    return validated.where(not(IS_VALID)).select(
        QUARANTINE_ID.as("quarantine_id"),
        col(RAW_TEXT).as("raw"),
        col("reason"),
        col("detail"),
        col("event_id"),
        col("source_kind"),
        col("topic"),
        col("partition"),
        col("offset"),
        col("kafka_key"),
        col("file"),
        col("line"),
        current_timestamp().as("quarantined_at"),
        to_date(current_timestamp()).as("quarantine_date"));
  }

  private record Check(Reason reason, Column fails, Column detail) {
    /**
     * A rule that fires when any of its flags is set, its detail naming every flag that is: the
     * names are only joined for a record the rule rejects, never for a valid one.
     */
    static Check ofFlags(Reason reason, String prefix, List<Flag> flags) {
      Column any = flags.stream().map(Flag::set).reduce(Column::or).orElseThrow();
      Column names = concat_ws(",", flags.stream().map(flag -> when(flag.set(), flag.name())).toArray(Column[]::new));
      return new Check(reason, any, concat(lit(prefix), names));
    }
  }

  /** One of a rule's conditions, and how its detail names it. */
  private record Flag(Column set, Column name) {}
}
