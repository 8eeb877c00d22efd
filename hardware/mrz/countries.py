"""Issuing-state / nationality codes an MRZ may carry (ICAO 9303 part 3, ISO 3166-1 alpha-3 plus ICAO's own).

State codes are not covered by any check digit, so checking them against this list is what stops a misread
code (say ``0EU`` for ``DEU``) from reaching the clerk.
"""

from __future__ import annotations

_ISO3 = """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS BIH BLM
BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR
CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB
GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA
JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA
MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS
SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON
TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
"""
# ICAO additions: Germany's one-letter code, British nationals, UN, stateless/refugee, EU, Kosovo, Interpol etc.
_ICAO = """
D GBD GBN GBO GBP GBS UNA UNK UNO XXA XXB XXC XXX EUE XOM XPO XCC XES XMP XDC XBA XIM RKS ANT NTZ
"""
# Specimen codes used by ICAO and the German specimen documents.
_SPECIMEN = "UTO"

CODES: frozenset[str] = frozenset(_ISO3.split() + _ICAO.split() + [_SPECIMEN])


def is_known_state(field: str) -> bool:
    """Whether a 3-character MRZ state field (filler-padded, e.g. ``D<<``) names a known code."""
    code = field.rstrip("<")
    return "<" not in code and code in CODES
