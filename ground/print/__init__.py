"""Ground tools for the brick printer: planning previews."""
