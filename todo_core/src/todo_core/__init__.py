"""todo_core."""
