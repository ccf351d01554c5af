"""The full-screen console (Textual): the App, one module per screen, one theme file."""
