"""Renderers: findings as a rich table and as JSON. They only read Finding fields."""
