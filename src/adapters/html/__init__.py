"""HTML adapters: ``nh3_sanitizer.Nh3Sanitizer`` implements ``ports.shared.html.HtmlSanitizer``."""
