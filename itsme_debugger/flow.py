"""The flow engine: runs a flow step by step for the GUI and the command line."""
