# Collects what `tracehound audit` reads from one Exchange server (2013, 2016, 2019, SE).
# Run in the Exchange Management Shell, as an Exchange administrator, on the server itself:
#   powershell -ExecutionPolicy Bypass -File collect-exchange.ps1 -Out C:\IR
# It changes nothing on the server: it reads the registry, two configuration files and the agent
# DLLs, runs Get-* cmdlets, and writes <Out>\<COMPUTERNAME>-transport (and a .zip of it).
param([string]$Out = "C:\IR")

$ErrorActionPreference = 'Stop'
$dir = Join-Path $Out "$env:COMPUTERNAME-transport"
New-Item -ItemType Directory -Force "$dir\config", "$dir\cmdlets", "$dir\dlls" | Out-Null

# 1. The install root (moved installs are common) and the server's role and build.
$ex = (Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup').MsiInstallPath
$srv = Get-ExchangeServer -Identity $env:COMPUTERNAME
[pscustomobject]@{
  Name                = "$($srv.Name)"
  Fqdn                = "$($srv.Fqdn)"
  ServerRole          = "$($srv.ServerRole)"
  Edition             = "$($srv.Edition)"
  AdminDisplayVersion = "$($srv.AdminDisplayVersion)"
  ExSetupVersion      = (Get-Command (Join-Path $ex 'Bin\ExSetup.exe')).FileVersionInfo.FileVersion
  InstallPath         = $ex
} | ConvertTo-Json | Set-Content -Encoding UTF8 "$dir\server.json"

# 2. The agent lists as the transport services read them.
foreach ($name in 'agents.config', 'fetagents.config') {
  $f = Join-Path $ex "TransportRoles\Shared\$name"
  if (Test-Path -LiteralPath $f) { Copy-Item -LiteralPath $f "$dir\config\$name" }
}

# 3. The agent lists as the cmdlets report them, per transport service, and the pipeline.
foreach ($svc in 'Hub', 'FrontEnd', 'Edge') {
  try {
    Get-TransportAgent -TransportService $svc -ErrorAction Stop |
      Select-Object @{n = 'Identity'; e = { "$($_.Identity)" } }, Enabled, Priority, TransportAgentFactory,
                    @{n = 'AssemblyPath'; e = { "$($_.AssemblyPath)" } }, IsCritical |
      ConvertTo-Json | Set-Content -Encoding UTF8 "$dir\cmdlets\transport-agents.$svc.json"
  } catch { Write-Warning "Get-TransportAgent -TransportService ${svc}: $($_.Exception.Message)" }
}
try {
  Get-TransportPipeline -ErrorAction Stop |
    Select-Object Event, @{n = 'TransportAgents'; e = { $_.TransportAgents -join ';' } } |
    ConvertTo-Json | Set-Content -Encoding UTF8 "$dir\cmdlets\transport-pipeline.json"
} catch { Write-Warning "Get-TransportPipeline: $($_.Exception.Message)" }

# 4. Every registered agent DLL (copied under dlls\<drive>\<path>), with times and hashes, and a
#    listing of the folders where agents and their companions live.
function Row($f) {
  [pscustomobject]@{
    FullName = $f.FullName; Exists = $true; Length = $f.Length
    CreationTimeUtc = $f.CreationTimeUtc.ToString('o'); LastWriteTimeUtc = $f.LastWriteTimeUtc.ToString('o')
    SHA256 = (Get-FileHash -Algorithm SHA256 -LiteralPath $f.FullName).Hash
  }
}
$agentPaths = foreach ($name in 'agents.config', 'fetagents.config') {
  $f = Join-Path $ex "TransportRoles\Shared\$name"
  if (Test-Path -LiteralPath $f) { ([xml](Get-Content -Raw -LiteralPath $f)).configuration.mexRuntime.agentList.agent | ForEach-Object { $_.assemblyPath } }
}
$rows = @()
foreach ($p in ($agentPaths | Sort-Object -Unique)) {
  if (Test-Path -LiteralPath $p -PathType Leaf) {
    $f = Get-Item -LiteralPath $p -Force
    $dest = Join-Path "$dir\dlls" ($f.FullName -replace '^([A-Za-z]):', '$1')
    New-Item -ItemType Directory -Force (Split-Path $dest) | Out-Null
    Copy-Item -LiteralPath $f.FullName $dest
    $rows += Row $f
  } else {
    $rows += [pscustomobject]@{ FullName = $p; Exists = $false; Length = ''; CreationTimeUtc = ''; LastWriteTimeUtc = ''; SHA256 = '' }
  }
}
$listed = @((Join-Path $ex 'TransportRoles\agents'), (Join-Path $ex 'TransportRoles\Shared'), (Join-Path $ex 'TransportRoles\Pickup'),
            'C:\Windows\ServiceProfiles\NetworkService\AppData\Local\Temp', 'C:\Windows\ServiceProfiles\NetworkService\AppData\Roaming\Microsoft')
$more = @(Get-ChildItem -File -Recurse -Force -ErrorAction SilentlyContinue -Path $listed) +
        @(Get-ChildItem -File -Force -ErrorAction SilentlyContinue -Path (Join-Path $ex 'Bin\*.dat'), (Join-Path $ex 'Bin\exdbdata.dll'))
foreach ($f in $more) { if ($agentPaths -notcontains $f.FullName) { $rows += Row $f } }
$rows | Export-Csv -NoTypeInformation -Encoding UTF8 "$dir\files.csv"

Compress-Archive -Force -Path $dir -DestinationPath "$dir.zip"
Write-Host "collected to $dir and $dir.zip"
