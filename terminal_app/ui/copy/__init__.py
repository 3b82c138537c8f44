"""Copy Trading workspace: discover traders, follow and manage copies, run an elite trader console."""
