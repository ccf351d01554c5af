"""Widgets the screens share: the footer, the banner, the tick box, table columns, follow-ups due."""
