-- Placeholders expand to the configured values (with wildcards) as an OR
"EventID" = '4624' AND ("TargetUserName#lc" = 'admin' OR starts_with("TargetUserName#lc", 'adm_')) AND NOT coalesce("WorkstationName#lc" LIKE 'jump-0_' ESCAPE '\', FALSE)
-- fields: EventID
-- folded: TargetUserName, WorkstationName
