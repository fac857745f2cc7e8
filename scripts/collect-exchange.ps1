# Collects what `tracehound audit` and `tracehound hunt` read from one Exchange server (2013, 2016,
# 2019, SE). Run in the Exchange Management Shell, as an Exchange administrator, on the server itself:
#   powershell -ExecutionPolicy Bypass -File collect-exchange.ps1 -Out C:\IR -Days 30
# It changes nothing on the server: it reads the registry, two configuration files, the agent DLLs,
# the transport logs and the Pickup/Replay folders of the last -Days days, exports event logs with
# wevtutil (a copy; the logs are not cleared), runs Get-* cmdlets, and writes
# <Out>\<COMPUTERNAME>-transport (and a .zip of it).
param([string]$Out = "C:\IR", [ValidateRange(1, 3650)][int]$Days = 30)

$ErrorActionPreference = 'Stop'
$dir = Join-Path $Out "$env:COMPUTERNAME-transport"
New-Item -ItemType Directory -Force "$dir\config", "$dir\cmdlets", "$dir\dlls", "$dir\logs", "$dir\eventlogs" | Out-Null
$since = (Get-Date).AddDays(-$Days)

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
$listed = @((Join-Path $ex 'TransportRoles\agents'), (Join-Path $ex 'TransportRoles\Shared'),
            'C:\Windows\ServiceProfiles\NetworkService\AppData\Local\Temp', 'C:\Windows\ServiceProfiles\NetworkService\AppData\Roaming\Microsoft')
$more = @(Get-ChildItem -File -Recurse -Force -ErrorAction SilentlyContinue -Path $listed) +
        @(Get-ChildItem -File -Force -ErrorAction SilentlyContinue -Path (Join-Path $ex 'Bin\*.dat'), (Join-Path $ex 'Bin\exdbdata.dll'))
foreach ($f in $more) { if ($agentPaths -notcontains $f.FullName) { $rows += Row $f } }

# 5. Transport logs of the last $Days days (message tracking, agent, SMTP receive and send protocol
#    logs) and every file in the Pickup and Replay folders, under logs\<kind>\, each in files.csv.
#    Paths come from the transport service's configuration (they are often moved).
$ts = Get-TransportService -Identity $env:COMPUTERNAME
$logging = [ordered]@{
  collected = (Get-Date).ToUniversalTime().ToString('o'); days = $Days
  transport = [ordered]@{
    MessageTrackingLogEnabled = $ts.MessageTrackingLogEnabled; MessageTrackingLogPath = "$($ts.MessageTrackingLogPath)"
    AgentLogEnabled = $ts.AgentLogEnabled; AgentLogPath = "$($ts.AgentLogPath)"
    ReceiveProtocolLogPath = "$($ts.ReceiveProtocolLogPath)"; SendProtocolLogPath = "$($ts.SendProtocolLogPath)"
    PipelineTracingEnabled = $ts.PipelineTracingEnabled
    PickupDirectoryPath = "$($ts.PickupDirectoryPath)"; ReplayDirectoryPath = "$($ts.ReplayDirectoryPath)"
  }
  folders = @(); eventLogs = @()
}
$folders = [ordered]@{
  MessageTracking = @("$($ts.MessageTrackingLogPath)", $true); AgentLog = @("$($ts.AgentLogPath)", $true)
  ReceiveProtocol = @("$($ts.ReceiveProtocolLogPath)", $true); SendProtocol = @("$($ts.SendProtocolLogPath)", $true)
  Pickup = @("$($ts.PickupDirectoryPath)", $false); Replay = @("$($ts.ReplayDirectoryPath)", $false)
}
foreach ($kind in $folders.Keys) {
  $path, $windowed = $folders[$kind]
  $files = @()
  $state = if (-not $path) { 'not configured' } elseif (-not (Test-Path -LiteralPath $path)) { 'not reachable' } else {
    $files = @(Get-ChildItem -LiteralPath $path -File -Recurse -Force -ErrorAction SilentlyContinue |
               Where-Object { -not $windowed -or $_.LastWriteTime -ge $since })
    if ($files.Count) { 'collected' } else { 'empty' }
  }
  foreach ($f in $files) {
    $dest = Join-Path "$dir\logs\$kind" $f.FullName.Substring($path.TrimEnd('\').Length).TrimStart('\')
    New-Item -ItemType Directory -Force (Split-Path $dest) | Out-Null
    Copy-Item -LiteralPath $f.FullName $dest
    $rows += Row $f
  }
  $logging.folders += [pscustomobject]@{ kind = $kind; path = $path; state = $state; files = $files.Count }
}
# The tracking events as the cmdlet returns them, when the log files could not be read.
if (($logging.folders | Where-Object { $_.kind -eq 'MessageTracking' }).state -ne 'collected') {
  try {
    Get-MessageTrackingLog -Server $env:COMPUTERNAME -Start $since -ResultSize Unlimited -ErrorAction Stop |
      Select-Object Timestamp, ClientIp, ClientHostname, ServerIp, ServerHostname, SourceContext, ConnectorId, Source, EventId,
                    InternalMessageId, MessageId, NetworkMessageId, @{n = 'Recipients'; e = { $_.Recipients -join ';' } },
                    @{n = 'RecipientStatus'; e = { $_.RecipientStatus -join ';' } }, TotalBytes, RecipientCount, RelatedRecipientAddress,
                    @{n = 'Reference'; e = { $_.Reference -join ';' } }, MessageSubject, Sender, ReturnPath, Directionality,
                    OriginalClientIp, OriginalServerIp, MessageInfo, @{n = 'EventData'; e = { ($_.EventData | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';' } } |
      Export-Csv -NoTypeInformation -Encoding UTF8 "$dir\cmdlets\message-tracking.csv"
  } catch { Write-Warning "Get-MessageTrackingLog: $($_.Exception.Message)" }
}

# 6. Event logs of the same window, exported with wevtutil; logging.json says which were disabled,
#    missing or empty (a disabled PowerShell or Sysmon log is a finding in itself).
$ms = [int64]$Days * 86400000
foreach ($log in 'MSExchange Management', 'Security', 'System', 'Application', 'Windows PowerShell',
                 'Microsoft-Windows-PowerShell/Operational', 'Microsoft-Windows-Sysmon/Operational') {
  $e = [ordered]@{ name = $log; exists = $false; enabled = $null; records = $null; inWindow = $null; file = $null; error = $null }
  try {
    $info = Get-WinEvent -ListLog $log -ErrorAction Stop
    $e.exists = $true; $e.enabled = $info.IsEnabled; $e.records = $info.RecordCount
    $e.inWindow = [bool](Get-WinEvent -FilterHashtable @{ LogName = $log; StartTime = $since } -MaxEvents 1 -ErrorAction SilentlyContinue)
    $file = "$dir\eventlogs\$($log -replace '[\\/ ]', '_').evtx"
    wevtutil epl "$log" "$file" "/q:*[System[TimeCreated[timediff(@SystemTime) <= $ms]]]" /ow:true
    if ($LASTEXITCODE -eq 0) { $e.file = Split-Path -Leaf $file; $rows += Row (Get-Item -LiteralPath $file) }
    else { $e.error = "wevtutil epl exited with $LASTEXITCODE" }
  } catch { $e.error = $_.Exception.Message }
  $logging.eventLogs += [pscustomobject]$e
}
$logging | ConvertTo-Json -Depth 4 | Set-Content -Encoding UTF8 "$dir\logging.json"

$rows | Export-Csv -NoTypeInformation -Encoding UTF8 "$dir\files.csv"

Compress-Archive -Force -Path $dir -DestinationPath "$dir.zip"
Write-Host "collected to $dir and $dir.zip"
