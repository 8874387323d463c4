-- Case-insensitive strings, caseless values on the plain column, equalities as IN
"EventID" IN ('1', '4688') AND (ends_with("Image#lc", '\cmd.exe') OR ends_with("Image#lc", '\powershell.exe')) AND contains("CommandLine#lc", ' /c ') AND contains("CommandLine#lc", 'whoami') AND starts_with("ParentImage#lc", 'c:\users\') AND "IntegrityLevel#lc" = 'high'
-- fields: EventID
-- folded: CommandLine, Image, IntegrityLevel, ParentImage
