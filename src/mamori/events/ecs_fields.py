"""ECS (Elastic Common Schema) field names and the Sigma names they stand for.

Data, not logic: :mod:`mamori.events.flatten` adds the Sigma name beside the ECS
one when an event has the ECS field and not yet the Sigma field. Earlier rows win
when two ECS fields give the same Sigma name, so Winlogbeat's own Windows fields
(``winlog.*``) come before the generic ECS ones. ``winlog.event_data.*`` and
``winlog.user_data.*`` need no row: their leaves keep their Windows names.
Sources: Winlogbeat's ``winlog`` fields, and pySigma's ECS Windows pipeline read
backwards.
"""

from __future__ import annotations

ECS_TO_SIGMA: tuple[tuple[str, str], ...] = (
    # Winlogbeat's copy of the Windows System element
    ("winlog.channel", "Channel"),
    ("winlog.event_id", "EventID"),
    ("winlog.provider_name", "Provider_Name"),
    ("winlog.provider_guid", "Provider_Guid"),
    ("winlog.computer_name", "Computer"),
    ("winlog.record_id", "EventRecordID"),
    ("winlog.task", "Task"),
    ("winlog.opcode", "Opcode"),
    ("winlog.version", "Version"),
    ("winlog.keywords", "Keywords"),
    ("winlog.activity_id", "ActivityID"),
    ("winlog.process.pid", "ProcessID"),
    ("winlog.process.thread.id", "ThreadID"),
    ("winlog.user.identifier", "UserID"),
    # processes
    ("process.command_line", "CommandLine"),
    ("process.executable", "Image"),
    ("process.pid", "ProcessId"),
    ("process.entity_id", "ProcessGuid"),
    ("process.working_directory", "CurrentDirectory"),
    ("process.parent.executable", "ParentImage"),
    ("process.parent.command_line", "ParentCommandLine"),
    ("process.parent.pid", "ParentProcessId"),
    ("process.parent.entity_id", "ParentProcessGuid"),
    ("process.pe.original_file_name", "OriginalFileName"),
    ("process.pe.description", "Description"),
    ("process.pe.product", "Product"),
    ("process.pe.company", "Company"),
    ("process.pe.file_version", "FileVersion"),
    # users
    ("user.name", "User"),
    # files and registry
    ("file.path", "TargetFilename"),
    ("file.target_path", "TargetFilename"),
    ("dll.path", "ImageLoaded"),
    ("registry.path", "TargetObject"),
    ("registry.data.strings", "Details"),
    # network
    ("destination.ip", "DestinationIp"),
    ("destination.port", "DestinationPort"),
    ("destination.domain", "DestinationHostname"),
    ("source.ip", "SourceIp"),
    ("source.port", "SourcePort"),
    ("source.domain", "SourceHostname"),
    ("network.transport", "Protocol"),
    ("dns.question.name", "QueryName"),
    ("url.original", "c-uri"),
    ("user_agent.original", "c-useragent"),
    # PowerShell
    ("powershell.file.script_block_text", "ScriptBlockText"),
    ("powershell.file.script_path", "Path"),
    # the event itself
    ("host.name", "Computer"),
    ("host.hostname", "Computer"),
    ("event.code", "EventID"),
    ("event.provider", "Provider_Name"),
)
