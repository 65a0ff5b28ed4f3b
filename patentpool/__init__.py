"""The base stock-patent library (存量专利基础库): every valid patent of every institution, scoped to its users."""
