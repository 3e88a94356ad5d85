package dev.flywheel.app;

/** How a command prints a result: an aligned table for people, CSV or JSON for scripts. */
enum OutputFormat { TABLE, CSV, JSON }
