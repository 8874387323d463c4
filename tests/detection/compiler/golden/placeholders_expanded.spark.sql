-- Placeholders expand to the configured values (with wildcards) as an OR
`EventID` = '4624' AND (lower(`TargetUserName`) = 'admin' OR startswith(lower(`TargetUserName`), 'adm_')) AND NOT coalesce(lower(`WorkstationName`) LIKE 'jump-0_' ESCAPE '\\', FALSE)
-- fields: EventID
-- folded: TargetUserName, WorkstationName
