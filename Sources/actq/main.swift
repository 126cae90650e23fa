import ActqCommands

await ActqMain.run()
