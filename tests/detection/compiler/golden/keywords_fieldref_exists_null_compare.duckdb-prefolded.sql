-- Keywords on _keywords, field references, existence, null and numeric comparison
contains("_keywords#lc", 'mimikatz') OR regexp_matches("_keywords#lc", 'sekurlsa::[^\n]*logon') OR contains("_keywords", '4624') OR ("TargetUserName#lc" = "SubjectUserName#lc" AND "LogonGuid" IS NOT NULL AND "ProcessName" IS NULL AND TRY_CAST("Size" AS DOUBLE) >= 1000 AND TRY_CAST("Ratio" AS DOUBLE) < 0.5)
-- fields: LogonGuid, ProcessName, Ratio, Size, _keywords
-- folded: SubjectUserName, TargetUserName, _keywords
