"""Pure functions over dates and parameters: no I/O, exhaustively unit-tested."""
