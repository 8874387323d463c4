-- NOT counts a missing field as not matching; 1 of / all of expand to OR / AND
endswith(lower(`Image`), '\\rundll32.exe') AND contains(lower(`CommandLine`), 'javascript:') AND NOT coalesce(endswith(lower(`ParentImage`), '\\explorer.exe') OR `User` = 'SYSTEM', FALSE)
-- fields: User
-- folded: CommandLine, Image, ParentImage
