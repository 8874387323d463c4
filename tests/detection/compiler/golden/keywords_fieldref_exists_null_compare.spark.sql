-- Keywords on _keywords, field references, existence, null and numeric comparison
contains(lower(`_keywords`), 'mimikatz') OR lower(`_keywords`) RLIKE 'sekurlsa::[^\\n]*logon' OR contains(`_keywords`, '4624') OR (lower(`TargetUserName`) = lower(`SubjectUserName`) AND `LogonGuid` IS NOT NULL AND `ProcessName` IS NULL AND try_cast(`Size` AS DOUBLE) >= 1000 AND try_cast(`Ratio` AS DOUBLE) < 0.5)
-- fields: LogonGuid, ProcessName, Ratio, Size, _keywords
-- folded: SubjectUserName, TargetUserName, _keywords
