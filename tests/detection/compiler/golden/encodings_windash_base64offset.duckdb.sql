-- Expansions (windash, base64offset over UTF-16LE) are OR groups inside all-linked lists
((contains(lower("CommandLine"), ' -nop ') OR contains(lower("CommandLine"), ' /nop ') OR contains(lower("CommandLine"), ' –nop ') OR contains(lower("CommandLine"), ' —nop ') OR contains(lower("CommandLine"), ' ―nop ')) AND (contains(lower("CommandLine"), ' -w hidden ') OR contains(lower("CommandLine"), ' /w hidden ') OR contains(lower("CommandLine"), ' –w hidden ') OR contains(lower("CommandLine"), ' —w hidden ') OR contains(lower("CommandLine"), ' ―w hidden '))) OR contains(lower("CommandLine"), 'sqbfafga') OR contains(lower("CommandLine"), 'karqbya') OR contains(lower("CommandLine"), 'jaeuawa')
-- fields: (none)
-- folded: CommandLine
