"""Hardware integrations of the clerk app (document readers, cameras), kept free of Qt and aiohttp."""
