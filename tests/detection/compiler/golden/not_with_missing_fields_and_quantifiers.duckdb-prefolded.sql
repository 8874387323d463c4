-- NOT counts a missing field as not matching; 1 of / all of expand to OR / AND
ends_with("Image#lc", '\rundll32.exe') AND contains("CommandLine#lc", 'javascript:') AND NOT coalesce(ends_with("ParentImage#lc", '\explorer.exe') OR "User" = 'SYSTEM', FALSE)
-- fields: User
-- folded: CommandLine, Image, ParentImage
