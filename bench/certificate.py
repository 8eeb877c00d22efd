"""Benchmark of issuing a Meldebescheinigung: render (reportlab) and PAdES-sign (pyHanko) N certificates.

Run: .venv/bin/python bench/certificate.py [--certificates N] [--key-type ec-p256|rsa-3072] [--json]

Each certificate has its own data (id, name, URL), as in production. The signing key is loaded once,
as the server does at start; a throw-away TEST PKI is created in a temporary folder. Two warm-up
certificates (font registration, first imports) are excluded and reported separately.
Target: render + sign ≤ 200 ms median per certificate on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from videoschalter.certificates.models import CertificateData, Dwelling, Office
from videoschalter.certificates.render import render_certificate
from videoschalter.certificates.signing import load_signer, sign_pdf
from videoschalter.certificates.test_ca import ensure_test_pki
from videoschalter.certificates.verify import verify_pdf

WARM_UP = 2
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Office("Stadt Musterstadt", "Bürgerbüro", "Marktplatz 1", "12345", "Musterstadt",
                phone="0123 456-0", email="buergerbuero@musterstadt.example", website="www.musterstadt.example")
BASE = CertificateData(
    document_id="VS-2026-0000-0000", verification_url="https://buergerbuero.musterstadt.example/verify/",
    family_name="Kowalenko", given_names="Olena Мирослава", birth_date=dt.date(1988, 3, 14),
    nationalities=("ukrainisch",), street="Große Straße", house_number="12a", postal_code="12345",
    city="Musterstadt", moved_in=dt.date(2022, 4, 1), dwelling=Dwelling.MAIN,
    issued_at=dt.datetime(2026, 11, 23, 14, 5, tzinfo=BERLIN), birth_name="Шевченко",
    birth_place="Charkiw (Ukraine)", payment_reference="PAY-2026-004711", clerk="Frau Weiß")


def certificate(i: int) -> CertificateData:
    doc_id = f"VS-2026-{i:04d}-BNCH"
    return dataclasses.replace(BASE, document_id=doc_id, verification_url=BASE.verification_url + doc_id,
                               family_name=f"Kowalenko-{i}", issued_at=BASE.issued_at + dt.timedelta(minutes=i))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--key-type", choices=("ec-p256", "rsa-3072"), default="ec-p256")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pki = ensure_test_pki(Path(tmp) / "pki", key_type=args.key_type)
        t0 = time.perf_counter()
        signer = load_signer(pki.office_p12, location=OFFICE.town, password=pki.password())
        load_ms = (time.perf_counter() - t0) * 1000

        warm: list[tuple[float, float]] = []
        render_ms: list[float] = []
        sign_ms: list[float] = []
        size = 0
        signed = b""
        cpu_ms: list[float] = []
        for i in range(WARM_UP + args.certificates):
            c0 = time.process_time()
            t0 = time.perf_counter()
            pdf = render_certificate(certificate(i), OFFICE)
            t1 = time.perf_counter()
            signed = sign_pdf(pdf, signer)
            t2 = time.perf_counter()
            cpu_ms.append((time.process_time() - c0) * 1000)
            if i < WARM_UP:
                warm.append(((t1 - t0) * 1000, (t2 - t1) * 1000))
                continue
            render_ms.append((t1 - t0) * 1000)
            sign_ms.append((t2 - t1) * 1000)
            size = len(signed)
        t0 = time.perf_counter()
        check = verify_pdf(signed, [pki.ca_cert])
        verify_ms = (time.perf_counter() - t0) * 1000
        if not check.ok:
            raise SystemExit(f"signed certificate does not verify: {check.problem}")

    total_ms = [r + s for r, s in zip(render_ms, sign_ms, strict=True)]
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, key {args.key_type}")
    print(f"load signer: {load_ms:.1f} ms (once); first certificate: render {warm[0][0]:.0f} ms, "
          f"sign {warm[0][1]:.0f} ms (warm-up, not counted)")
    print(f"{'step':<12}{'median ms':>12}{'p90 ms':>10}")
    for name, values in (("render", render_ms), ("sign", sign_ms), ("total", total_ms)):
        print(f"{name:<12}{statistics.median(values):>12.1f}{percentile(values, 0.9):>10.1f}")
    cpu = statistics.median(cpu_ms[WARM_UP:])
    print(f"CPU time per certificate (median, independent of other load): {cpu:.1f} ms; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"signed PDF: {size / 1024:.0f} KiB; one verification: {verify_ms:.0f} ms; target total median ≤ 200 ms")
    if args.json:
        print(json.dumps({
            "certificates": len(total_ms),
            "render_median_ms": round(statistics.median(render_ms), 1),
            "sign_median_ms": round(statistics.median(sign_ms), 1),
            "certificate_median_ms": round(statistics.median(total_ms), 1),
            "render_p90_ms": round(percentile(render_ms, 0.9), 1),
            "sign_p90_ms": round(percentile(sign_ms, 0.9), 1),
            "certificate_p90_ms": round(percentile(total_ms, 0.9), 1),
            "certificate_cpu_median_ms": round(cpu, 1),
            "key_type": args.key_type,
        }))


if __name__ == "__main__":
    main()
