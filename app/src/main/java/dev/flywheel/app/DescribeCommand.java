package dev.flywheel.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Describes the CLI as data: every command path with its options and parameters, and the main
 * class of the application jar. Schedulers (the Airflow DAGs' test) check their tasks against it.
 */
@Command(name = "describe", mixinStandardHelpOptions = true,
    description = "Describe every command and option as JSON (for schedulers and their tests).")
final class DescribeCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Option(names = "--json", required = true, description = "JSON output (the only format).")
  boolean json;

  @Override
  public void run() {
    CommandLine root = spec.commandLine().getParent();
    Map<String, Object> description = new LinkedHashMap<>();
    description.put("main_class", Flywheel.class.getName());
    description.put("application_jar", "app/target/flywheel-app.jar");
    List<Map<String, Object>> commands = new ArrayList<>();
    collect(root, List.of(), commands);
    description.put("commands", commands);
    PrintWriter out = spec.commandLine().getOut();
    try {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(description));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot describe the CLI: " + e.getMessage(), e);
    }
    out.flush();
  }

  private static void collect(CommandLine command, List<String> path, List<Map<String, Object>> commands) {
    for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
      List<String> subPath = new ArrayList<>(path);
      subPath.add(sub.getKey());
      CommandSpec spec = sub.getValue().getCommandSpec();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("command", subPath);
      entry.put("description", String.join(" ", spec.usageMessage().description()));
      List<Map<String, Object>> options = new ArrayList<>();
      for (OptionSpec option : spec.options()) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("names", List.of(option.names()));
        described.put("takes_value", option.arity().max() > 0);
        described.put("required", option.required());
        options.add(described);
      }
      entry.put("options", options);
      List<String> parameters = new ArrayList<>();
      for (PositionalParamSpec parameter : spec.positionalParameters()) {
        parameters.add(parameter.paramLabel());
      }
      entry.put("parameters", parameters);
      entry.put("has_subcommands", !sub.getValue().getSubcommands().isEmpty());
      commands.add(entry);
      collect(sub.getValue(), subPath, commands);
    }
  }
}
