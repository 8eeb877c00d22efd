from videoschalter.cli import main

raise SystemExit(main())
