package dev.flywheel.app;

import picocli.CommandLine.Option;

/** The output options every command that prints rows shares. */
final class PrintOptions {
  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
      converter = FormatConverter.class,
      description = "table (aligned, default), csv or json (one object per line).")
  OutputFormat format = OutputFormat.TABLE;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
      description = "Print at most N rows (default: ${DEFAULT-VALUE}).")
  int limit = 1000;

  /** Accepts the lower-case names the usage shows. */
  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      try {
        return OutputFormat.valueOf(value.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a format; use table, csv or json");
      }
    }
  }
}
