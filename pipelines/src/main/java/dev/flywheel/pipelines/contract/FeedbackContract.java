package dev.flywheel.pipelines.contract;

import java.util.List;

/** The limits and enumerations of contract feedback-event-v1, in one place. */
public final class FeedbackContract {
  private FeedbackContract() {}

  /** The event types of version 1. */
  public static final List<String> EVENT_TYPES =
      List.of("impression", "click", "add_to_cart", "purchase", "rating", "dwell");
  /** Event types that must carry a {@code value}. */
  public static final List<String> VALUED_TYPES = List.of("rating", "dwell", "purchase");
  /** The only schema version this code reads. */
  public static final int SCHEMA_VERSION = 1;
  /** Largest record accepted, in bytes. */
  public static final int MAX_RECORD_BYTES = 64 * 1024;
  /** Longest id ({@code event_id}, {@code user_id}, {@code item_id}, {@code request_id}). */
  public static final int MAX_ID_CHARS = 128;
  /** Longest {@code query}. */
  public static final int MAX_QUERY_CHARS = 1024;
  /** How far in the future of its arrival an event may claim to be. */
  public static final long MAX_FUTURE_SECONDS = 3600;
  /** Required string fields of every event. */
  public static final List<String> REQUIRED_IDS = List.of("event_id", "user_id", "item_id", "request_id");
}
