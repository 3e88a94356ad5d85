package dev.flywheel.app;

import static org.apache.spark.sql.functions.col;

import com.univocity.parsers.csv.CsvWriter;
import com.univocity.parsers.csv.CsvWriterSettings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Prints a (small) result set in one of the {@link OutputFormat}s. */
final class ResultPrinter {
  private ResultPrinter() {}

  /** Prints at most {@code limit} rows of {@code result}. */
  static void print(Dataset<Row> result, OutputFormat format, int limit, PrintWriter out) {
    Dataset<Row> limited = result.limit(limit);
    if (format == OutputFormat.JSON) {
      // One JSON object per line: what jq and pandas.read_json(lines=True) read.
      limited.toJSON().collectAsList().forEach(out::println);
      out.flush();
      return;
    }
    String[] columns = result.columns();
    // Spark's own cast renders maps, arrays and timestamps the way spark-sql prints them.
    Column[] asText = Arrays.stream(columns).map(c -> col("`" + c + "`").cast("string").as(c)).toArray(Column[]::new);
    List<String[]> rows = new ArrayList<>();
    for (Row row : limited.select(asText).collectAsList()) {
      String[] values = new String[columns.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = row.isNullAt(i) ? null : row.getString(i);
      }
      rows.add(values);
    }
    if (format == OutputFormat.CSV) {
      printCsv(columns, rows, out);
    } else {
      printTable(columns, rows, out);
    }
    out.flush();
  }

  private static void printCsv(String[] columns, List<String[]> rows, PrintWriter out) {
    CsvWriter writer = new CsvWriter(out, new CsvWriterSettings());
    writer.writeHeaders(columns);
    rows.forEach(row -> writer.writeRow((Object[]) row));
    writer.flush();
  }

  private static void printTable(String[] columns, List<String[]> rows, PrintWriter out) {
    int[] widths = new int[columns.length];
    for (int i = 0; i < columns.length; i++) {
      widths[i] = columns[i].length();
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], display(row[i]).length());
      }
    }
    out.println(line(columns, widths));
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
    }
    out.println(rule);
    for (String[] row : rows) {
      String[] shown = Arrays.stream(row).map(ResultPrinter::display).toArray(String[]::new);
      out.println(line(shown, widths));
    }
    out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
  }

  private static String display(String value) {
    return value == null ? "NULL" : value.replace('\n', ' ');
  }

  private static String line(String[] values, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      line.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", values[i]));
    }
    return line.toString().stripTrailing();
  }
}
