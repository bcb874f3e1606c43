; Inno Setup 6 script for the Casefile Windows installer (docs/packaging.md).
;
; Build after `pyinstaller build.spec`, from the repository root:
;
;   iscc /DAppVersion=0.1.0 /DAppVersionNumeric=0.1.0.0 resources\packaging\casefile.iss
;
; AppVersion is the package version (desktop/__init__.py); the release workflow passes it,
; so nothing here repeats it. Writes dist\Casefile-<version>-windows-x64-setup.exe.
;
; Per-user install by default: no administrator rights, into
; %LOCALAPPDATA%\Programs\Casefile, with a Start-menu entry and the .casefile and
; .casefile-link file associations under HKCU\Software\Classes. IT can install for all
; users instead with `setup.exe /ALLUSERS /VERYSILENT` (Program Files, HKLM). Uninstalling
; removes only what was installed: case files, settings, logs and backups in the user's
; folders stay.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z resources\packaging\casefile.iss
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric AppVersion
#endif
; Paths are relative to this script's folder.
#ifndef DistDir
  #define DistDir "..\..\dist\Casefile"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "Casefile"
#define AppExe "Casefile.exe"
#define CliExe "casefile-cli.exe"
#define ProgId "Casefile.CaseFile"
#define LinkProgId "Casefile.CaseLink"
#define DocIcon "{app}\_internal\resources\icons\casefile-document.ico"

[Setup]
; Never change AppId: Windows finds the installed copy by it (upgrades, uninstall).
AppId={{2D05CA25-AF00-54FC-BDAC-A259CD0E058A}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
VersionInfoDescription={#AppName} installer
; Per-user unless IT passes /ALLUSERS on the command line.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsedUserAreasWarning=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
ChangesAssociations=yes
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
SetupIconFile=..\icons\casefile.ico
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir={#OutputDir}
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-dir app from PyInstaller: Casefile.exe (the app), casefile-cli.exe (the
; commands and --self-test, with console output) and _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Keep one policy matter in one case file"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .casefile opens in Casefile and shows the document icon. HKA is HKCU\Software\Classes for
; a per-user install (HKLM for /ALLUSERS). Uninstall removes these keys and values only.
Root: HKA; Subkey: "Software\Classes\.casefile"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.casefile\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Casefile case file"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{#DocIcon},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".casefile"; ValueData: ""; Flags: uninsdeletekey
; .casefile-link (a team case's address, no secret in it) opens the case on its server, with
; the same icon.
Root: HKA; Subkey: "Software\Classes\.casefile-link"; ValueType: string; ValueName: ""; ValueData: "{#LinkProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.casefile-link\OpenWithProgids"; ValueType: string; ValueName: "{#LinkProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#LinkProgId}"; ValueType: string; ValueName: ""; ValueData: "Casefile team case link"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#LinkProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{#DocIcon},0"
Root: HKA; Subkey: "Software\Classes\{#LinkProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".casefile-link"; ValueData: ""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] section on purpose: uninstall removes exactly the files and registry
; entries listed above. Case files live wherever the user saved them, and the sample case,
; settings, logs and backups live in %LOCALAPPDATA%\Casefile (outside {app}); all are kept.
