"""Signed certificates issued at the end of a video session (Meldebescheinigung, Zahlungsbeleg).

Qt- and aiohttp-free core: render the PDF (``render``), sign it as PAdES (``signing``),
check it (``verify``), and a TEST PKI for the demo (``test_ca``).
"""
