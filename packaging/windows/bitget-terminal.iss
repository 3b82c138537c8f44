; Inno Setup 6 script of Bitget Terminal: installs the PyInstaller bundle (packaging/terminal-app.spec) and a
; Start-menu entry. Build it with packaging/windows/build_windows.ps1, which passes the version from pyproject.toml:
;   ISCC.exe /DAppVersion=0.1.0 /DDistDir=..\..\build\dist packaging\windows\bitget-terminal.iss
; The installer works per user (no administrator rights) or for all users (the setup offers the choice).
; Uninstalling removes the program folder only; the user's settings, demo accounts and journals in
; %LOCALAPPDATA%\bitget-terminal and the API keys in Windows Credential Manager stay.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=x.y.z (build_windows.ps1 does this)
#endif
#ifndef DistDir
  #define DistDir "..\..\build\dist"
#endif
#define AppName "Bitget Terminal"
#define AppExe "Bitget Terminal.exe"
#define CliExe "terminal-app.exe"

[Setup]
; The AppId identifies the product for upgrades and uninstall; never change it.
AppId={{A0DCA7D7-DA06-4D0A-BA59-FA7FA1FFD872}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Bitget Terminal developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; Qt 6.9+ supports 64-bit Windows 10 1809 and later only.
MinVersion=10.0.17763
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\build\windows
OutputBaseFilename=BitgetTerminal-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\icon.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the terminal-app command to PATH (for the simulator and benchmarks)"; Flags: unchecked

[Files]
Source: "{#DistDir}\terminal-app\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder (Python may leave caches beside the bundle); never the user's data folders.
Type: filesandordirs; Name: "{app}"

[Code]
{ PATH handling for the optional "addtopath" task: the user's PATH for a per-user install, the system PATH for an
  all-users install; the same entry is taken out again on uninstall. }

function PathKeyRoot(): Integer;
begin
  if IsAdminInstallMode() then
    Result := HKEY_LOCAL_MACHINE
  else
    Result := HKEY_CURRENT_USER;
end;

function PathKeyName(): String;
begin
  if IsAdminInstallMode() then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function PathHas(Paths, Dir: String): Boolean;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') > 0;
end;

procedure AddToPath(Dir: String);
var
  Paths: String;
begin
  if not RegQueryStringValue(PathKeyRoot(), PathKeyName(), 'Path', Paths) then
    Paths := '';
  if PathHas(Paths, Dir) then
    exit;
  if (Paths <> '') and (Copy(Paths, Length(Paths), 1) <> ';') then
    Paths := Paths + ';';
  RegWriteExpandStringValue(PathKeyRoot(), PathKeyName(), 'Path', Paths + Dir);
end;

procedure RemoveFromPath(Dir: String);
var
  Paths: String;
  P: Integer;
begin
  if not RegQueryStringValue(PathKeyRoot(), PathKeyName(), 'Path', Paths) then
    exit;
  P := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';');
  if P = 0 then
    exit;
  { P is 1-based in ';'+Paths+';'; the entry starts at P in Paths and is followed by its ';' if not last. }
  Delete(Paths, P, Length(Dir) + 1);
  if (Length(Paths) > 0) and (Copy(Paths, Length(Paths), 1) = ';') then
    Delete(Paths, Length(Paths), 1);
  RegWriteExpandStringValue(PathKeyRoot(), PathKeyName(), 'Path', Paths);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('addtopath') then
    AddToPath(ExpandConstant('{app}'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
