"""The console's screens, one module each. Screens never import one another: they open each
other by name through `helpdesk.tui.navigation`."""
