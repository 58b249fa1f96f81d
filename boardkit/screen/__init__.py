"""The wall screen: its panels as HTML and SVG, their layout, and the live page."""
