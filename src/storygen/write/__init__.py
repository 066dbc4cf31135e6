"""Write: output trees replaced atomically (staged and swapped, or in place for the preview)."""
