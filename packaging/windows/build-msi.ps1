<#
.SYNOPSIS
  Builds the clerk app (PyInstaller, one folder) and its MSI (WiX Toolset v3) on Windows.

.DESCRIPTION
  Run from anywhere on a Windows 10/11 x64 build machine with
    - Python 3.11 x64 and a virtualenv in .venv with the project and PyInstaller:
        py -3.11 -m venv .venv
        .venv\Scripts\pip install -e .[package]
    - WiX Toolset v3.14 (sets %WIX%; or candle.exe/light.exe on PATH).
  Steps: PyInstaller -> "--check" of the built exe -> harvest.py -> candle -> light.
  Result: dist\videoschalter-clerk-<version>.msi (see docs/packaging.md).

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File packaging\windows\build-msi.ps1

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File packaging\windows\build-msi.ps1 -SkipPyInstaller -Version 0.2.0
#>
[CmdletBinding()]
param(
    [string]$Python = "",
    [string]$DistPath = "dist",
    [string]$WorkPath = "build",
    [string]$Version = "",
    [switch]$SkipPyInstaller
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    Write-Host "> $Exe $($Arguments -join ' ')"
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

if (-not $Python) {
    $venvPython = Join-Path $Root ".venv\Scripts\python.exe"
    $Python = if (Test-Path $venvPython) { $venvPython } else { "python" }
}

# Product version: from videoschalter/__init__.py. Windows Installer wants up to three
# numbers (major.minor.build) and compares only those, so "0.2.0rc1" becomes 0.2.0.
if (-not $Version) {
    $init = Get-Content (Join-Path $Root "videoschalter\__init__.py") -Raw
    if ($init -notmatch '__version__\s*=\s*"([^"]+)"') { throw "no __version__ in videoschalter\__init__.py" }
    $Version = $Matches[1]
}
$numbers = @([regex]::Matches($Version, '\d+') | Select-Object -First 3 | ForEach-Object { [int]$_.Value })
while ($numbers.Count -lt 3) { $numbers += 0 }
$MsiVersion = $numbers -join "."
Write-Host "Version $Version -> MSI ProductVersion $MsiVersion"

$DistPath = [IO.Path]::GetFullPath((Join-Path $Root $DistPath))
$WorkPath = [IO.Path]::GetFullPath((Join-Path $Root $WorkPath))
$AppDir = Join-Path $DistPath "videoschalter-clerk"
$Exe = Join-Path $AppDir "videoschalter-clerk.exe"
$MsiWork = Join-Path $WorkPath "msi"
$Msi = Join-Path $DistPath "videoschalter-clerk-$MsiVersion.msi"

# 1. PyInstaller
if (-not $SkipPyInstaller) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    Invoke-Checked $Python @("-m", "PyInstaller", "packaging\pyinstaller.spec",
        "--distpath", $DistPath, "--workpath", $WorkPath, "--noconfirm")
    Write-Host ("PyInstaller: {0:N0} s" -f $sw.Elapsed.TotalSeconds)
}
if (-not (Test-Path $Exe)) { throw "$Exe not found: run without -SkipPyInstaller" }
$bytes = (Get-ChildItem $AppDir -Recurse -File | Measure-Object Length -Sum).Sum
Write-Host ("Bundle: {0:N0} MB in {1}" -f ($bytes / 1MB), $AppDir)

# 2. Does the windowed exe start and find its modules and data? (--check FILE: no console to print to)
New-Item -ItemType Directory -Force -Path $MsiWork | Out-Null
$report = Join-Path $MsiWork "check.txt"
Remove-Item $report -ErrorAction SilentlyContinue
$p = Start-Process -FilePath $Exe -ArgumentList @("--check", "`"$report`"") -Wait -PassThru -WindowStyle Hidden
if ($p.ExitCode -ne 0 -or -not (Test-Path $report)) { throw "$Exe --check failed (exit code $($p.ExitCode))" }
Get-Content $report | Write-Host
if (-not (Select-String -Path $report -Pattern "default_config.toml: ok" -Quiet)) { throw "data files missing in the bundle" }

# 3. File list for WiX (harvest.py does what "heat dir" would)
Invoke-Checked $Python @("packaging\windows\harvest.py", $AppDir, (Join-Path $MsiWork "ClerkFiles.wxs"))

# 4. WiX v3: candle + light
$candle = $null
if ($env:WIX -and (Test-Path (Join-Path $env:WIX "bin\candle.exe"))) { $candle = Join-Path $env:WIX "bin\candle.exe" }
if (-not $candle) {
    $cmd = Get-Command candle.exe -ErrorAction SilentlyContinue
    if ($cmd) { $candle = $cmd.Source }
}
if (-not $candle) { throw "WiX Toolset v3 not found: install WiX 3.14 (sets %WIX%) or put candle.exe and light.exe on PATH" }
$light = Join-Path (Split-Path $candle) "light.exe"

# One candle call per source with an explicit output file: a quoted "-out dir\" would lose its quote.
foreach ($source in @("packaging\windows\videoschalter-clerk.wxs", (Join-Path $MsiWork "ClerkFiles.wxs"))) {
    $object = Join-Path $MsiWork ([IO.Path]::GetFileNameWithoutExtension($source) + ".wixobj")
    Invoke-Checked $candle @("-nologo", "-arch", "x64",
        "-dVersion=$MsiVersion", "-dDistDir=$AppDir", "-dExeSource=$Exe", "-out", $object, $source)
}
Invoke-Checked $light @("-nologo", "-spdb", "-out", $Msi,
    (Join-Path $MsiWork "videoschalter-clerk.wixobj"), (Join-Path $MsiWork "ClerkFiles.wixobj"))

$hash = (Get-FileHash $Msi -Algorithm SHA256).Hash
Write-Host ("MSI: {0} ({1:N0} MB), SHA256 {2}" -f $Msi, ((Get-Item $Msi).Length / 1MB), $hash)
Write-Host "Silent install: msiexec /i `"$Msi`" SERVERURL=https://buergerbuero.example.de /qn"
