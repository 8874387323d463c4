-- Case-insensitive strings, caseless values on the plain column, equalities as IN
`EventID` IN ('1', '4688') AND (endswith(lower(`Image`), '\\cmd.exe') OR endswith(lower(`Image`), '\\powershell.exe')) AND contains(lower(`CommandLine`), ' /c ') AND contains(lower(`CommandLine`), 'whoami') AND startswith(lower(`ParentImage`), 'c:\\users\\') AND lower(`IntegrityLevel`) = 'high'
-- fields: EventID
-- folded: CommandLine, Image, IntegrityLevel, ParentImage
