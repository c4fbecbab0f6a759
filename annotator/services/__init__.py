"""What the app does, as functions over an open project; the GUI and CLI call these."""
