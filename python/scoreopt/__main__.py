from scoreopt.cli import main

raise SystemExit(main())
