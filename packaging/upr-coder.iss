; Inno Setup script for the Windows installer of UPR Coder (run by .github/workflows/build-app.yml
; after scripts/build-app). Installs per user, so no administrator rights are needed.
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6C1E9A52-3B0F-4C7E-9E0A-4F5D2B7C8A01}
AppName=UPR Coder
AppVersion={#AppVersion}
AppPublisher=UPR Coder developers
DefaultDirName={localappdata}\Programs\UPR Coder
DefaultGroupName=UPR Coder
PrivilegesRequired=lowest
OutputDir=..\dist
OutputBaseFilename=upr-coder-{#AppVersion}-windows-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
SetupIconFile=..\resources\icons\upr-coder.ico
UninstallDisplayIcon={app}\upr-coder.exe

[Files]
Source: "..\dist\upr-coder\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\UPR Coder"; Filename: "{app}\upr-coder.exe"
Name: "{userdesktop}\UPR Coder"; Filename: "{app}\upr-coder.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\upr-coder.exe"; Description: "Start UPR Coder"; Flags: nowait postinstall skipifsilent
