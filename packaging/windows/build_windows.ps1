# Build the Windows installer of Bitget Terminal: PyInstaller bundle, then Inno Setup.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1 [-Python .venv\Scripts\python.exe]
# Needs: Python 3.11+ with the project and pyinstaller installed (pip install -e ".[test]"), and Inno Setup 6
# (ISCC.exe on PATH or in its default folder). Output: build\windows\BitgetTerminal-<version>-setup.exe
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$Iscc = ""
)
$ErrorActionPreference = "Stop"
$repo = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $repo

$version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
if ($LASTEXITCODE -ne 0) { throw "could not read the version from pyproject.toml" }
Write-Host "Bitget Terminal $version"

$started = Get-Date
& $Python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath build\dist --workpath build\pyinstaller packaging\terminal-app.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
& "build\dist\terminal-app\terminal-app.exe" --version
if ($LASTEXITCODE -ne 0) { throw "the bundle does not start" }
$bundled = Get-Date

if (-not $Iscc) {
    $found = Get-Command ISCC.exe -ErrorAction SilentlyContinue
    if ($found) { $Iscc = $found.Source }
    else { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
}
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found; install it (winget install JRSoftware.InnoSetup) or pass -Iscc" }
& $Iscc /Q "/DAppVersion=$version" "/DDistDir=$repo\build\dist" packaging\windows\bitget-terminal.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }

$setup = Get-Item "build\windows\BitgetTerminal-$version-setup.exe"
$bundleMb = [math]::Round(((Get-ChildItem build\dist\terminal-app -Recurse | Measure-Object Length -Sum).Sum / 1MB), 1)
Write-Host ("bundle  build\dist\terminal-app  {0} MB  built in {1:N1} s" -f $bundleMb, ($bundled - $started).TotalSeconds)
Write-Host ("setup   {0}  {1:N1} MB  in {2:N1} s" -f $setup.FullName, ($setup.Length / 1MB), ((Get-Date) - $bundled).TotalSeconds)
